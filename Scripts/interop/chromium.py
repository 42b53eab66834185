"""One way to start headless Chromium for every browser harness (chromium_echo.py,
chromium_media.py, chromium_transfer.py): the binary and driver paths, the flags, a throwaway
profile, and the blank page on 127.0.0.1 a secure context needs. Loopback only."""
import os
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

# Debian's paths; RTC_CHROMIUM / RTC_CHROMEDRIVER name others (a Chrome for Testing build, say).
BINARY = os.environ.get("RTC_CHROMIUM", "/usr/lib/chromium/chromium")
DRIVER = os.environ.get("RTC_CHROMEDRIVER", "/usr/bin/chromedriver")

QUIET = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
# Fake camera and microphone with permission granted; with them Chromium gathers its 127.0.0.1
# candidate, and without mDNS hiding it shows real addresses.
LOOPBACK_MEDIA = ["--allow-loopback-in-peer-connection", "--use-fake-ui-for-media-stream",
                  "--use-fake-device-for-media-stream", "--disable-features=WebRtcHideLocalIpsWithMdns"]


def start(loopback=True, extra=(), prefs=None, script_timeout=60, profile=None):
    """A WebDriver session on `profile` (default: a fresh temporary one). `loopback=False` keeps
    Chromium's defaults for candidates (mDNS hiding on), as a browser user has them."""
    options = webdriver.ChromeOptions()
    options.binary_location = BINARY
    flags = QUIET + (LOOPBACK_MEDIA if loopback else []) + list(extra)
    profile = profile or tempfile.mkdtemp(prefix="rtc-chromium-")
    for flag in flags + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(script_timeout)
    return driver


class _BlankPage(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>rtc</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_blank_page():
    """A page on 127.0.0.1: a secure context, so getUserMedia exists (about:blank has none)."""
    server = HTTPServer(("127.0.0.1", 0), _BlankPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def loopback_candidates_only(desc):
    """The network rule: tests talk over loopback only, so drop the browser's other addresses."""
    lines = desc["sdp"].split("\r\n")
    kept = [l for l in lines if not l.startswith("a=candidate:") or l.split()[4] in ("127.0.0.1", "::1")]
    return {"type": desc["type"], "sdp": "\r\n".join(kept)}
