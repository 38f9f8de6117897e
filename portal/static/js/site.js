// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Linked street → community → grid selects: refill the next select from /geo/.
  function setOptions(select, options, emptyLabel) {
    select.innerHTML = "";
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = emptyLabel;
    select.appendChild(empty);
    options.forEach(function (option) {
      var el = document.createElement("option");
      el.value = option.value;
      el.textContent = option.label;
      select.appendChild(el);
    });
  }

  function wireGridChooser(form) {
    var street = form.querySelector('[data-geo="street"]');
    var community = form.querySelector('[data-geo="community"]');
    var grid = form.querySelector('[data-geo="grid"]');
    if (!street || !community || !grid) return;
    var communityEmpty = community.options.length ? community.options[0].textContent : "";
    var gridEmpty = grid.options.length ? grid.options[0].textContent : "";

    function load(level, parent, select, emptyLabel) {
      if (!parent) { setOptions(select, [], emptyLabel); return Promise.resolve(); }
      return fetch("/geo/" + level + "/?parent=" + encodeURIComponent(parent), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.json(); }).then(function (data) {
        setOptions(select, data.options || [], emptyLabel);
      });
    }
    street.addEventListener("change", function () {
      load("communities", street.value, community, communityEmpty);
      setOptions(grid, [], gridEmpty);
    });
    community.addEventListener("change", function () {
      load("grids", community.value, grid, gridEmpty);
    });
  }

  // Print buttons (<button data-print>): no inline onclick, which the CSP forbids.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Forms on pages that may come from a cache carry an empty CSRF field
  // (<input data-csrf-lazy>): the token is fetched from /csrf-token/ when the form is sent.
  // When that fails the form stays as filled in and says why; without this script the
  // server answers with a page that explains it (portal.views.csrf_failure).
  function csrfMessage(form, field) {
    var message = form.querySelector("[data-csrf-message]");
    if (!message) {
      message = document.createElement("p");
      message.className = "alert alert--error";
      message.setAttribute("role", "alert");
      message.setAttribute("data-csrf-message", "");
      message.textContent = field.getAttribute("data-csrf-error") ||
        "暂时无法提交：没能取得安全验证信息，您填写的内容还在。请检查网络后再点一次提交；仍不成功时请刷新页面。";
      form.insertBefore(message, form.firstChild);
    }
    message.setAttribute("tabindex", "-1");
    message.focus();
  }

  function wireLazyCsrf(form, field) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (field.value) return;
      event.preventDefault();  // a second click while fetching must not send it tokenless
      if (sending) return;
      sending = true;
      fetch("/csrf-token/", {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store"
      }).then(function (r) {
        if (!r.ok) throw new Error("csrf " + r.status);
        return r.json();
      }).then(function (data) {
        if (!data.token) throw new Error("csrf token missing");
        field.value = data.token;
        var old = form.querySelector("[data-csrf-message]");
        if (old) old.remove();
        // The prototype's submit: a field named "submit" would hide the form's own.
        HTMLFormElement.prototype.submit.call(form);
      }).catch(function () {
        sending = false;
        csrfMessage(form, field);
      });
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-geo]")) wireGridChooser(form);
    var lazy = form.querySelector("input[data-csrf-lazy]");
    if (lazy) wireLazyCsrf(form, lazy);
  });

  // Move focus to the error summary so screen-reader users hear that the form failed.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
