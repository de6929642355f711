// The stage: rrweb's replayer in live mode inside `#frame` (its iframe sandboxed without
// `allow-scripts`), fitted into the available area or zoomed, with the visitor's cursor
// and clicks drawn by rrweb. A snapshot rebuilds the replayer from scratch.

function makeStage(host, area, onSize) {
  const { Replayer } = loadRrwebReplay();
  let replayer = null;
  let size = { width: 0, height: 0 };
  let zoom = 'fit';
  let scale = 1;

  // Visitor and agent clocks differ: events play in arrival order, at once.
  let clock = 0;
  const stamp = (events) => {
    for (const event of events) {
      clock = Math.max(clock + 1, Date.now());
      event.timestamp = clock;
    }
    return events;
  };

  const layout = () => {
    if (!replayer || !size.width) return;
    const room = area.getBoundingClientRect();
    scale = zoom === 'fit' ? Math.min(room.width / size.width, room.height / size.height, 1) || 1 : zoom;
    host.style.width = size.width * scale + 'px';
    host.style.height = size.height * scale + 'px';
    replayer.wrapper.style.transform = 'scale(' + scale + ')';
    onSize({ ...size, scale, zoom });
  };
  addEventListener('resize', layout);

  return {
    reset(events) {
      if (replayer) replayer.destroy();
      host.textContent = '';
      replayer = new Replayer([], {
        root: host,
        liveMode: true,
        mouseTail: false,
        showWarning: false,
        triggerFocus: false,
        pauseAnimation: false,
      });
      replayer.wrapper.style.transformOrigin = '0 0';
      replayer.on('resize', (dimension) => {
        size = { width: dimension.width, height: dimension.height };
        layout();
      });
      replayer.startLive(Date.now() - 1000);
      this.apply(events);
    },
    apply(events) {
      if (replayer) for (const event of stamp(events)) replayer.addEvent(event);
    },
    clear() {
      if (replayer) replayer.destroy();
      replayer = null;
      host.textContent = '';
    },
    /** 'fit', a scale (1 is 100%), or 'in' / 'out'. */
    zoom(to) {
      if (to === 'in' || to === 'out') to = Math.min(4, Math.max(0.1, scale * (to === 'in' ? 1.25 : 0.8)));
      zoom = to === 'fit' ? 'fit' : Number(to) || 1;
      layout();
    },
    /** The replay's iframe, its mirror and the current scale, while there is one. */
    view() {
      return replayer && { iframe: replayer.iframe, mirror: replayer.getMirror(), scale, size };
    },
  };
}
