import { registerRandomKill } from "../support/random_kill.ts";

registerRandomKill("netns");
