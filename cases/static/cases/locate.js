// "使用我的位置" on the report form: fills the hidden latitude / longitude fields with the
// browser's WGS84 position. Progressive enhancement: without JavaScript (or without
// geolocation) the block stays hidden and the report is sent with the address only.
(function () {
  "use strict";
  var block = document.querySelector("[data-locate]");
  if (!block || !("geolocation" in navigator)) return;
  var form = block.closest("form");
  var latitude = form.querySelector('input[name="latitude"]');
  var longitude = form.querySelector('input[name="longitude"]');
  var button = block.querySelector("[data-locate-button]");
  var status = document.getElementById("locate-status");
  if (!latitude || !longitude || !button) return;
  var idleLabel = button.textContent;
  block.hidden = false;

  function located() {
    return latitude.value !== "" && longitude.value !== "";
  }
  function show() {
    if (located()) {
      status.textContent = button.dataset.labelGot + latitude.value + ", " + longitude.value;
      button.textContent = button.dataset.labelDone;
    } else {
      button.textContent = idleLabel;
    }
  }
  show();

  button.addEventListener("click", function () {
    if (located()) {
      latitude.value = "";
      longitude.value = "";
      status.textContent = "";
      show();
      return;
    }
    button.disabled = true;
    status.textContent = button.dataset.labelBusy;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        button.disabled = false;
        show();
      },
      function () {
        button.disabled = false;
        status.textContent = button.dataset.labelFailed;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
