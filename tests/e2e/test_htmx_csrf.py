from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def test_htmx_sends_the_csrf_token_set_on_body(page: Page, live_server, people):
    """Every htmx request inherits the X-CSRFToken header from <body>, so writes pass CSRF."""
    sign_in(page, live_server, people["service_manager"])
    expect(page).to_have_url(f"{live_server}/board")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate(
        """() => {
            const button = document.createElement('button');
            button.id = 'htmx-sign-out';
            button.textContent = 'Sign out through htmx';
            button.setAttribute('hx-post', '/logout');
            button.setAttribute('hx-target', 'main');
            document.querySelector('main').appendChild(button);
            htmx.process(button);
        }"""
    )
    with page.expect_request(lambda request: request.url.endswith("/logout")) as sent:
        page.click("#htmx-sign-out")
    assert sent.value.headers.get("x-csrftoken")
    assert sent.value.response().status == 302  # accepted: a refusal would be 400
    page.goto(f"{live_server}/board")
    expect(page).to_have_url(f"{live_server}/login?next=/board")
