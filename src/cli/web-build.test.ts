import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { webBuildIsStale } from "./web-build.ts";

describe("webBuildIsStale", () => {
  const web = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-web-build-"));
  afterAll(() => fs.rmSync(web, { recursive: true, force: true }));

  const touch = (file: string, secondsAgo: number) => {
    fs.mkdirSync(path.dirname(path.join(web, file)), { recursive: true });
    if (!fs.existsSync(path.join(web, file))) fs.writeFileSync(path.join(web, file), "");
    const time = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(path.join(web, file), time, time);
  };
  const settleDirectories = () => {
    // Creating a file changes its directory's mtime, which counts too (a deleted file is a change).
    for (const directory of ["src", "public", "dist"])
      if (fs.existsSync(path.join(web, directory))) touch(directory, 100);
  };

  it("is stale with no build, fresh after one, and stale again when src or public/ changes", () => {
    touch("src/main.tsx", 100);
    touch("public/service-worker.js", 100);
    settleDirectories();
    expect(webBuildIsStale(web)).toBe(true);

    touch("dist/index.html", 50);
    settleDirectories();
    expect(webBuildIsStale(web)).toBe(false);

    touch("public/service-worker.js", 10);
    expect(webBuildIsStale(web)).toBe(true);
    touch("dist/index.html", 5);
    expect(webBuildIsStale(web)).toBe(false);

    touch("src/main.tsx", 1);
    expect(webBuildIsStale(web)).toBe(true);
  });
});
