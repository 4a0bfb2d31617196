"""Read a page's form the way a browser would submit it, so web tests post what a person
who opened the page (and maybe left it open a while) would really send."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.factories import PASSWORD


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}, "multi": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields, name = self._form["fields"], a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._form["multi"].setdefault(name, []).append(a.get("value", "on"))
            elif kind not in {"submit", "button", "file"}:
                fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._chosen = name, False
            fields[name] = None
        elif tag == "option" and self._select:
            if "selected" in a and not self._chosen:
                fields[self._select], self._chosen = a.get("value", ""), True
            elif fields[self._select] is None:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            # A textarea's first newline belongs to its markup, not its value.
            fields = self._form["fields"]
            value = fields[self._textarea]
            fields[self._textarea] = (
                value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            )
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data


def form_data(html: str, action: str | None = None) -> dict[str, str | list[str]]:
    """The values the page's form (the one posting to `action`, or the first form with a
    version field) sends as it stands."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if (action is not None and form["action"] == action) or (
            action is None and "version" in form["fields"]
        ):
            values: dict[str, str | list[str]] = dict(form["fields"])
            values.update(form["multi"])
            return values
    raise AssertionError(f"no form posting to {action!r} on the page")


def signed_in(app, email: str, password: str = PASSWORD):
    """A browser of its own, signed in through the login form with the token it was given
    (for tests that keep CSRF protection on, as production does)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 302
    return client
