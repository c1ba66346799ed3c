#!/usr/bin/python3
"""A user in headless Chromium on the private Roundcube of
tests/lib/roundcube.sh, driven over the DevTools protocol (Debian's
chromium and python3-websocket):

    roundcube-browser.py URL USER PASSWORD OUTDIR

logs in, opens Settings > Bounces and backscatter, chooses filing by
reason and Junk for backscatter, saves; opens the Filters page on the
set "triage" (which requires vnd.backscatter); deletes a rule of the
set "mixed" in the filter list; tries to save a new filter in "triage"
with Roundcube's own form; then saves a new filter in the set "main". Each step leaves in OUTDIR what the page said (NAME.txt:
the page's text and the messages Roundcube showed) and a screenshot
(NAME.png). The test that runs it asserts on those and on the server.
Every wait is bounded; the script exits non-zero when a step cannot be
done."""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--remote-allow-origins=*",
    "--window-size=1280,1000", "--hide-scrollbars",
]
WAIT = 30  # seconds any one step may take
START = time.monotonic()


class StepFailed(Exception):
    pass


class Browser:
    def __init__(self, profile):
        self.proc = subprocess.Popen(
            ["chromium", "--user-data-dir=" + profile] + CHROMIUM_FLAGS +
            ["about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        port = self._until(lambda: os.path.exists(port_file) and
                           open(port_file).read().split("\n")[0],
                           "Chromium's DevTools port")
        targets = self._until(lambda: self._targets(port), "a page target")
        page = [t for t in targets if t["type"] == "page"][0]
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"],
                                              timeout=WAIT)
        self.next_id = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        # Tall enough that the settings page needs no scrolling
        self.call("Emulation.setDeviceMetricsOverride", width=1280,
                  height=1100, deviceScaleFactor=1, mobile=False)

    @staticmethod
    def _targets(port):
        try:
            with urllib.request.urlopen(
                    "http://127.0.0.1:%s/json/list" % port, timeout=5) as r:
                targets = json.load(r)
        except OSError:
            return None
        return targets if any(t["type"] == "page" for t in targets) else None

    @staticmethod
    def _until(condition, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.1)
        raise StepFailed("gave up waiting for " + what)

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method,
                                 "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mine:
                if "error" in msg:
                    raise StepFailed("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise StepFailed("script failed: %s: %s" % (
                expression, result["exceptionDetails"].get("text")))
        return result["result"].get("value")

    def wait_js(self, expression, what):
        return self._until(lambda: self.js(expression), what)

    def _wait_load(self, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for event in self.events:
                if event["method"] == "Page.loadEventFired":
                    self.events = []
                    return
            self.events = []
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            if "method" in msg:
                self.events.append(msg)
        raise StepFailed("the page did not load: " + what)

    def go(self, url):
        self.events = []
        self.call("Page.navigate", url=url)
        self._wait_load(url)
        self.wait_ready()

    def submit(self, expression, what):
        """Runs JS that submits a form, and waits for the next page"""
        self.events = []
        self.js(expression)
        self._wait_load(what)
        self.wait_ready()

    def wait_ready(self):
        # Roundcube's client has started and sent its first requests
        self.wait_js("document.readyState == 'complete' && "
                     "window.rcmail !== undefined && !rcmail.busy",
                     "Roundcube's client")

    def messages(self):
        return self.js("Array.from(document.querySelectorAll("
                       "'#messagestack div')).map(e => e.innerText)"
                       ".join('\\n')") or ""

    def keep(self, outdir, name, text_of="body"):
        sys.stderr.write("%6.1fs %s\n" % (time.monotonic() - START, name))
        page = self.js("(e => e ? e.innerText : '(nothing matches ' + %s +"
                       " ')')(document.querySelector(%s))"
                       % (json.dumps(text_of), json.dumps(text_of))) or ""
        with open(os.path.join(outdir, name + ".txt"), "w") as f:
            f.write("URL: %s\n" % self.js("location.href"))
            f.write("MESSAGES:\n%s\n" % self.messages())
            f.write("PAGE:\n%s\n" % page)
        shot = self.call("Page.captureScreenshot", format="png")
        with open(os.path.join(outdir, name + ".png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def close(self):
        try:
            self.ws.close()
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def scenario(b, url, user, password, outdir):
    q = url + "?_task="

    b.go(url)
    b.submit("document.getElementById('rcmloginuser').value = %s;"
             "document.getElementById('rcmloginpwd').value = %s;"
             "document.getElementById('rcmloginsubmit').click();"
             % (json.dumps(user), json.dumps(password)), "the login")
    b.keep(outdir, "login")

    # The settings page, as it first shows
    b.go(q + "settings&_action=plugin.backscatter")
    b.keep(outdir, "page-before", "#layout-content")

    # Filed by reason, backscatter to Junk; Save
    b.submit("document.getElementById('backscatter-legitimate-reason')"
             ".click();"
             "document.getElementById('backscatter-bogus-junk').click();"
             "document.getElementById('backscatter-save').click();",
             "saving the settings page")
    b.wait_js("document.querySelector('#messagestack div') !== null",
              "the confirmation")
    b.keep(outdir, "page-saved", "#layout-content")

    # The Filters page on a set that requires vnd.backscatter: a warning
    b.go(q + "settings&_action=plugin.managesieve&_set=triage")
    b.wait_js("document.querySelector('#messagestack div') !== null",
              "the warning")
    b.keep(outdir, "filters-triage")

    # The filter list on a set that mixes a rule the form knows with a
    # vnd.backscatter one: deleting the known rule would rewrite the set
    b.go(q + "settings&_action=plugin.managesieve&_set=mixed")
    b.js("rcmail.http_post('plugin.managesieve-action',"
         " {_act: 'delete', _fid: 0, _set: 'mixed'})")
    b.wait_js("Array.from(document.querySelectorAll('#messagestack div'))"
              ".some(e => e.innerText.indexOf('Not saved') >= 0)",
              "the refusal of the deletion")
    b.keep(outdir, "delete-mixed")

    # Roundcube's own filter form on the set triage: a new rule, Save
    b.go(q + "settings&_action=plugin.managesieve-action&_framed=1"
         "&_set=triage")
    b.submit("document.querySelector('input[name=\"_name\"]').value ="
             " 'Newsletters';"
             "document.querySelector('input[name^=\"_rule_target\"]')"
             ".value = 'newsletter';"
             "rcmail.command('plugin.managesieve-save');",
             "saving a filter in the set triage")
    b.keep(outdir, "form-triage", "#backscatter-refused")

    # The same in the set main, which only includes the triage
    b.go(q + "settings&_action=plugin.managesieve-action&_framed=1"
         "&_set=main")
    b.submit("document.querySelector('input[name=\"_name\"]').value ="
             " 'Lists';"
             "document.querySelector('input[name^=\"_rule_target\"]')"
             ".value = 'list';"
             "rcmail.command('plugin.managesieve-save');",
             "saving a filter in the set main")
    b.keep(outdir, "form-main")


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: roundcube-browser.py URL USER PASSWORD OUTDIR")
    url, user, password, outdir = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="roundcube-browser.")
    browser = None
    try:
        browser = Browser(profile)
        scenario(browser, url, user, password, outdir)
    except (StepFailed, OSError, websocket.WebSocketException) as e:
        if browser:
            try:
                browser.keep(outdir, "failed")
            except Exception:
                pass
        sys.exit("roundcube-browser: %s" % e)
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
