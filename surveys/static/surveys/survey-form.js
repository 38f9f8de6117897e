// The "其他" text box of a choice question shows only while 其他 is chosen.
// Progressive enhancement: without this file every box stays visible, as before.
(function () {
  "use strict";
  var OTHER = "__other__";

  function otherChosen(form, name) {
    var controls = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      if (control.tagName === "SELECT") {
        for (var j = 0; j < control.options.length; j++) {
          if (control.options[j].value === OTHER && control.options[j].selected) return true;
        }
      } else if (control.value === OTHER && control.checked) {
        return true;
      }
    }
    return false;
  }

  document.querySelectorAll("input[data-other-for]").forEach(function (input) {
    var form = input.form;
    var name = input.getAttribute("data-other-for");
    var field = input.closest(".field") || input;
    if (!form || !form.querySelector('[name="' + name + '"]')) return;
    function update() {
      // A box with an error stays visible so the person can read and fix it.
      var keep = field.classList.contains("field--error");
      field.hidden = !(keep || otherChosen(form, name));
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === name) update();
    });
    update();
  });
})();
