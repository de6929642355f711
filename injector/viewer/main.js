// The viewer's start: the agent socket, the status line and the End button.
(() => {
  const $ = (id) => document.getElementById(id);
  const socketUrl = location.href.replace(/^http/, "ws").replace(/[?#].*$/, "") + "/live";
  let socket, ended = false, onEndUrl = null, delay = 500;
  const show = (state, text) => { $("status").dataset.state = state; $("status").textContent = text; };
  function endedBy(reason) {
    ended = true;
    show("ended", "Session ended" + (reason ? " (" + reason + ")" : ""));
    $("end").disabled = true;
    if (onEndUrl) location.href = onEndUrl; else window.close();
  }
  function connect() {
    socket = new WebSocket(socketUrl);
    socket.onopen = () => { delay = 500; show("connected", "Connected"); };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "hello") {
        onEndUrl = (message.branding && message.branding.on_end_url) || null;
        $("agent").textContent = message.agent.name || message.agent.id;
        $("visitor").textContent = message.visitor.short_id;
      }
      if (message.type === "hello" || message.type === "visitor") {
        const v = message.visitor;
        $("url").textContent = v.url || "—";
        $("browser").textContent = [v.browser_name, v.device_type].filter(Boolean).join(", ") || "—";
        show("connected", v.is_online === false ? "Visitor offline" : "Connected");
      }
      if (message.type === "ended") endedBy(message.reason);
    };
    socket.onclose = (event) => {
      if (ended) return;
      if (event.code === 4403 || event.code === 4410) { endedBy(event.reason); return; }
      show("connecting", "Reconnecting…");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  $("end").onclick = () => { if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "end_session" })); };
  connect();
})();
