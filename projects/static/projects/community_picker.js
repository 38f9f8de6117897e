// 服务社区 picker: shows the search box, filters communities by name or street, and counts
// the ticked ones. Without this script the picker is a plain grouped list of checkboxes.
(function () {
  "use strict";

  function setUp(picker) {
    var tools = picker.querySelector("[data-community-picker-tools]");
    var search = picker.querySelector("[data-community-picker-search]");
    var count = picker.querySelector("[data-community-picker-count]");
    var streets = picker.querySelectorAll("[data-community-picker-street]");
    var template = count.textContent.replace(/\d+/, "{n}");
    if (!tools || picker.dataset.ready) return;
    picker.dataset.ready = "1";
    tools.hidden = false;

    function updateCount() {
      var n = picker.querySelectorAll("input[type=checkbox]:checked").length;
      count.textContent = template.replace("{n}", String(n));
    }

    function filter() {
      var query = search.value.trim();
      streets.forEach(function (street) {
        var streetName = street.querySelector("legend").textContent;
        var streetMatches = query !== "" && streetName.indexOf(query) !== -1;
        var visible = 0;
        street.querySelectorAll("label").forEach(function (label) {
          var show = query === "" || streetMatches || label.textContent.indexOf(query) !== -1;
          label.hidden = !show;
          if (show) visible += 1;
        });
        street.hidden = visible === 0;
      });
    }

    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      // Enter in the search box must not submit the page form.
      if (event.key === "Enter") event.preventDefault();
    });
    picker.addEventListener("change", updateCount);
  }

  function init() {
    document.querySelectorAll("[data-community-picker]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
