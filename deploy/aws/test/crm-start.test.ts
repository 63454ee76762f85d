// crm-start.test.ts - crm-start.sh, the containers' entry point, run by sh with a stand-in
// `crm` on PATH that reports what it was started with.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";

const SCRIPT = path.join(__dirname, "..", "..", "image", "crm-start.sh");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "crm-start-"));
const home = path.join(work, "home");
fs.mkdirSync(home);
// the stand-in: its arguments, the key-set file's name, mode and contents, and whether the
// secret's variable is still set
fs.writeFileSync(
  path.join(work, "crm"),
  [
    "#!/bin/sh",
    'echo "args=$*"',
    'echo "file=$CRM_JWT_KEYS"',
    'echo "mode=$(stat -c %a "$CRM_JWT_KEYS")"',
    'echo "json=$(cat "$CRM_JWT_KEYS")"',
    'echo "leaked=${CRM_JWT_KEYS_JSON:-no}"',
    'rm -f "$CRM_JWT_KEYS"',
    "",
  ].join("\n"),
  { mode: 0o755 },
);
after(() => fs.rmSync(work, { recursive: true, force: true }));

function run(env: Record<string, string>, ...args: string[]): Record<string, string> {
  const r = spawnSync("/bin/sh", ["-c", fs.readFileSync(SCRIPT, "utf8"), "crm-start", ...args], {
    env: { PATH: `${work}:/usr/bin:/bin`, HOME: home, ...env },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

test("one generated HS256 key becomes a key set in a private file", () => {
  const key = '{"kid":"aws-1","alg":"HS256","secret":"' + "a".repeat(64) + '"}';
  const out = run({ CRM_JWT_KEYS_JSON: key }, "serve");
  assert.equal(out.args, "serve");
  assert.deepEqual(JSON.parse(out.json), { keys: [JSON.parse(key)] });
  assert.equal(out.mode, "600");
  assert.equal(out.leaked, "no");
  assert.match(out.file, /crm-jwt-keys\.json$/);
});

test("a whole key set is written as it is", () => {
  const set = '{"keys": [{"kid":"new","alg":"HS256","secret":"x"},{"kid":"old"}]}';
  const out = run({ CRM_JWT_KEYS_JSON: set }, "serve");
  assert.deepEqual(JSON.parse(out.json), JSON.parse(set));
});

test("without the variable crm starts as it is, with its arguments", () => {
  const r = spawnSync(
    "/bin/sh",
    ["-c", fs.readFileSync(SCRIPT, "utf8"), "crm-start", "tenant", "create", "--name", "A B"],
    { env: { PATH: `${work}:/usr/bin:/bin`, HOME: home }, encoding: "utf8" },
  );
  // the stand-in cannot stat a file that was never named: only its first line matters here
  assert.equal(r.stdout.split("\n")[0], "args=tenant create --name A B");
  assert.equal(r.stdout.split("\n")[1], "file=");
});
