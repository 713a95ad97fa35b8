import assert from "node:assert/strict";
import { checkKernel, configValue, type KernelFacts, listsModule } from "../../src/doctor/mod.ts";
import { doctorFacts, labHost, missing, text } from "../support/doctor_facts.ts";

function kernel(over: Partial<KernelFacts>): KernelFacts {
  return {
    release: text("6.1.0-18-amd64\n"),
    sysModule: { veth: text(false), bridge: text(false) },
    procModules: missing(),
    config: missing(),
    modulesBuiltin: missing(),
    modulesDep: missing(),
    ...over,
  };
}

/** A host without any veth or bridge link, so only kernel evidence counts. */
const bare = text(labHost({ links: [labHost().links[0], { ...labHost().links[1], linkinfo: undefined }] }));

Deno.test("configValue reads =y, =m and 'is not set'", () => {
  const cfg = "CONFIG_VETH=m\n# CONFIG_BRIDGE is not set\nCONFIG_BRIDGE_NETFILTER=y\n";
  assert.equal(configValue(cfg, "CONFIG_VETH"), "m");
  assert.equal(configValue(cfg, "CONFIG_BRIDGE"), "n");
  assert.equal(configValue(cfg, "CONFIG_BRIDGE_NETFILTER"), "y");
  assert.equal(configValue(cfg, "CONFIG_DUMMY"), undefined);
});

Deno.test("listsModule finds a module in modules.builtin and modules.dep, compressed or not", () => {
  assert.ok(listsModule("kernel/net/bridge/bridge.ko\n", "bridge"));
  assert.ok(listsModule("kernel/drivers/net/veth.ko.xz:\n", "veth"));
  assert.ok(listsModule("kernel/net/bridge/bridge.ko.zst: kernel/net/802/stp.ko.zst\n", "bridge"));
  assert.ok(!listsModule("kernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko\n", "veth"));
  assert.ok(!listsModule("kernel/net/bridge/br_netfilter.ko:\n", "bridge"));
});

Deno.test("kernel: an existing link of that kind proves support", () => {
  const f = checkKernel("veth", doctorFacts({ kernel: kernel({}) }));
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /link 'eth0' is one/);
});

Deno.test("kernel: /sys/module/NAME or /proc/modules means loaded or built in", () => {
  assert.equal(
    checkKernel(
      "bridge",
      doctorFacts({ host: bare, kernel: kernel({ sysModule: { veth: text(false), bridge: text(true) } }) }),
    )
      .verdict,
    "ok",
  );
  const f = checkKernel(
    "veth",
    doctorFacts({ host: bare, kernel: kernel({ procModules: text("veth 40960 0 - Live 0x0\n") }) }),
  );
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /\/proc\/modules/);
});

Deno.test("kernel: CONFIG_X=y is built in; 'is not set' fails", () => {
  assert.equal(
    checkKernel("veth", doctorFacts({ host: bare, kernel: kernel({ config: text("CONFIG_VETH=y\n") }) })).verdict,
    "ok",
  );
  const f = checkKernel(
    "veth",
    doctorFacts({ host: bare, kernel: kernel({ config: text("# CONFIG_VETH is not set\n") }) }),
  );
  assert.equal(f.verdict, "fail");
  assert.match(f.summary, /6\.1\.0-18-amd64 is built without it/);
});

Deno.test("kernel: a module that exists but is not loaded warns with modprobe", () => {
  const f = checkKernel(
    "veth",
    doctorFacts({
      host: bare,
      kernel: kernel({ config: text("CONFIG_VETH=m\n"), modulesDep: text("kernel/drivers/net/veth.ko:\n") }),
    }),
  );
  assert.equal(f.verdict, "warn");
  assert.equal(f.fix, "modprobe veth");
});

Deno.test("kernel: modules.builtin lists a built-in module", () => {
  const f = checkKernel(
    "bridge",
    doctorFacts({ host: bare, kernel: kernel({ modulesBuiltin: text("kernel/net/bridge/bridge.ko\n") }) }),
  );
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /modules\.builtin/);
});

Deno.test("kernel: =m without the module file warns to install the running kernel's modules", () => {
  const f = checkKernel(
    "veth",
    doctorFacts({ host: bare, kernel: kernel({ config: text("CONFIG_VETH=m\n"), modulesDep: text("") }) }),
  );
  assert.equal(f.verdict, "warn");
  assert.match(f.fix ?? "", /linux-image-6\.1\.0-18-amd64/);
});

Deno.test("kernel: no evidence at all is a warning, never a guess", () => {
  const f = checkKernel("veth", doctorFacts({ host: bare, kernel: kernel({}) }));
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /not confirmed/);
});
