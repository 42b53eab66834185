#!/usr/bin/env python3
"""Headless Chromium drives the page `rtc ... --signal ws-listen://` serves (loopback only).

  chromium_transfer.py upload URL FILE   the page sends FILE (rtc listen receives it)
  chromium_transfer.py download URL      the page receives what rtc send offers

Prints the page's results (window.rtcResults) as one JSON line; exits 0 when all verified.
Every wait is bounded.
"""
import json
import os
import sys
import tempfile
import time

import chromium
from selenium.webdriver.common.by import By

TIMEOUT = 60


def browser(download_dir):
    return chromium.start(prefs={"download.default_directory": download_dir, "download.prompt_for_download": False})


def main():
    mode, url = sys.argv[1], sys.argv[2]
    d = browser(tempfile.mkdtemp(prefix="rtc-dl-"))
    try:
        d.get(url + ("&" if "?" in url else "?") + "loopback=1")
        if mode == "upload":
            d.find_element(By.ID, "files").send_keys(os.path.abspath(sys.argv[3]))
        deadline = time.time() + TIMEOUT
        results = []
        while time.time() < deadline:
            results = d.execute_script("return window.rtcResults || []")
            done = d.execute_script("return window.rtcDone === true")
            if results and (done or mode == "download"):
                break
            time.sleep(0.1)
        if mode == "download":
            time.sleep(0.5)
            results = d.execute_script("return window.rtcResults || []")
        print(json.dumps(results, sort_keys=True), flush=True)
        if not results or not all(r["verified"] for r in results):
            print(d.find_element(By.ID, "status").text, file=sys.stderr)
            return 1
        return 0
    finally:
        d.quit()


if __name__ == "__main__":
    sys.exit(main())
