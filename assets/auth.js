/* Signed out while a page is open (idle timeout, revoked wall token, password changed):
   Dash's requests then answer 401, and the page goes to the sign-in page instead of
   freezing on its last data. Wraps fetch before Dash's renderer starts. */
(function () {
  "use strict";
  var original = window.fetch;
  if (!original || original.cityopsAuth) { return; }
  var DASH = /\/_dash-(update-component|layout|dependencies)/;
  var leaving = false;
  function wrapped(input, init) {
    return original.apply(this, arguments).then(function (response) {
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (response.status === 401 && DASH.test(url) && !leaving) {
        leaving = true;
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?reason=expired&next=" + encodeURIComponent(here));
      }
      return response;
    });
  }
  wrapped.cityopsAuth = true;
  window.fetch = wrapped;
}());
