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

  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-geo]")) wireGridChooser(form);
  });

  // Move focus to the error summary so screen-reader users hear that the form failed.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
