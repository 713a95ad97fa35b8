import assert from "node:assert/strict";
import { elsewhereThanJournal, insideRun, refuseInsideRun } from "../../src/cli/where.ts";
import { EXIT, PreconditionError } from "../../src/errors.ts";

const HOST = { dev: 4, ino: 4026531840 };
const WEB = { dev: 4, ino: 4026532290 };

Deno.test("insideRun reads the run's label from NSRECIPE_RUN; a lab's shell or no variable is no run", () => {
  assert.equal(insideRun("nsrecipe:web"), "web");
  assert.equal(insideRun("nsrecipe:fm"), "fm");
  assert.equal(insideRun("nsrecipe-lab"), undefined);
  assert.equal(insideRun("nsrecipe:"), undefined);
  assert.equal(insideRun(undefined), undefined);
});

Deno.test("refuseInsideRun names the run and says to exit its shell (exit 3)", () => {
  assert.throws(() => refuseInsideRun("nsrecipe:web"), (e) => {
    assert.ok(e instanceof PreconditionError);
    assert.equal(e.exitCode, EXIT.precondition);
    assert.match(e.message, /^You are inside run 'web' \(its shell\); exit it first/);
    return true;
  });
  assert.equal(refuseInsideRun("nsrecipe-lab"), undefined);
});

Deno.test("elsewhereThanJournal: every applied run recorded in another netns is a refusal; one recorded here or of an earlier version is not", () => {
  assert.match(
    elsewhereThanJournal([HOST, HOST], WEB)!,
    /^this nsrecipe runs in network namespace net:\[4026532290\], not in the one its journal's applied runs were recorded in \(net:\[4026531840\]\)$/,
  );
  assert.equal(elsewhereThanJournal([HOST, WEB], WEB), undefined);
  assert.equal(elsewhereThanJournal([HOST], HOST), undefined);
  assert.equal(elsewhereThanJournal([HOST, undefined], WEB), undefined);
  assert.equal(elsewhereThanJournal([], WEB), undefined);
});
