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

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

TIMEOUT = 60


def browser(download_dir):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/lib/chromium/chromium"
    for f in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--allow-loopback-in-peer-connection", "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", "--disable-features=WebRtcHideLocalIpsWithMdns",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--no-first-run", "--user-data-dir=" + tempfile.mkdtemp(prefix="rtc-chromium-")]:
        o.add_argument(f)
    o.add_experimental_option("prefs", {"download.default_directory": download_dir,
                                        "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


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
