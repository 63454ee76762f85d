#!/usr/bin/env python3
"""screenshots.py - `make screenshots`: the demo clinic of `crm dev` photographed by Playwright
(web/screens) at 1440x900 and 390x844, into docs/screenshots/."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo import ROOT, Demo  # noqa: E402


def main():
    demo = Demo()
    try:
        env = dict(os.environ, CRM_E2E_BASE_URL=demo.base,
                   CRM_SCREENSHOTS_DIR=os.path.join(ROOT, "docs", "screenshots"))
        rc = subprocess.run(["npx", "playwright", "test", "-c", "playwright.screens.config.ts",
                             *sys.argv[1:]], cwd=os.path.join(ROOT, "web"), env=env).returncode
    finally:
        demo.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
