// What agents show on the visitor's page, drawn in Tandem's overlay (overlay.js): a
// labelled cursor per agent, a passing outline around a node, and fading strokes. None
// of it touches the page's own elements, and `clear` takes every mark and timer away.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const HIGHLIGHT_MS = 2000;
const STROKE_FADE_DONE_MS = 1500;
// A stroke whose end never came (the agent's socket dropped) fades all the same.
const STROKE_FADE_IDLE_MS = 5000;
const MARK_FADE_MS = 600;
const MARK_DEFAULT_COLOR = '#2563eb';
const MARKS_STYLE =
  '.marks{position:fixed;left:0;top:0;width:100vw;height:100vh;overflow:visible;pointer-events:none;' +
  'font:12px/1.2 system-ui,sans-serif}' +
  '.cursor{position:fixed;left:0;top:0;color:var(--c)}' +
  '.cursor svg{display:block;width:18px;height:18px;filter:drop-shadow(0 1px 1px rgba(0,0,0,.4))}' +
  '.cursor span{display:block;margin:0 0 0 14px;padding:2px 6px;border-radius:4px;background:var(--c);' +
  'color:#fff;white-space:nowrap}' +
  '.box{position:fixed;border:3px solid var(--c);border-radius:4px;box-sizing:border-box;' +
  'box-shadow:0 0 0 4px rgba(255,255,255,.6);transition:opacity .6s}' +
  '.draw{position:fixed;left:0;top:0;width:100vw;height:100vh;overflow:visible}' +
  '.draw polyline{fill:none;stroke:var(--c);stroke-width:4;stroke-linecap:round;stroke-linejoin:round;' +
  'transition:opacity .6s}' +
  '.fade{opacity:0}';

/** The marks of agents on `win`'s page. */
function makeMarks(win) {
  const doc = win.document;
  const cursors = new Map();
  const strokes = new Map();
  const timers = new Set();
  let layer = null;
  let drawing = null;

  const later = (ms, fn) => {
    const timer = win.setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const cancel = (timer) => {
    win.clearTimeout(timer);
    timers.delete(timer);
  };
  const marksLayer = () => {
    if (layer && layer.isConnected) return layer;
    const part = overlayPart(win, 'marks', MARKS_STYLE);
    if (!part) return null;
    layer = doc.createElement('div');
    layer.className = 'marks';
    part.append(layer);
    drawing = null;
    return layer;
  };
  const colored = (element, color) => {
    element.style.setProperty('--c', MARK_DEFAULT_COLOR);
    // An invalid color is ignored by the style, which keeps the default.
    if (typeof color === 'string') element.style.setProperty('--c', color);
    return element;
  };
  const fadeOut = (element) => {
    element.classList.add('fade');
    later(MARK_FADE_MS, () => element.remove());
  };

  /** Shows `agent`'s cursor at (x, y) of the viewport. */
  function pointer(agent, x, y) {
    let cursor = cursors.get(agent.id);
    if (!cursor || !cursor.isConnected) {
      const parent = marksLayer();
      if (!parent) return;
      cursor = colored(doc.createElement('div'), agent.color);
      cursor.className = 'cursor';
      const arrow = doc.createElementNS(SVG_NS, 'svg');
      arrow.setAttribute('viewBox', '0 0 18 18');
      const path = doc.createElementNS(SVG_NS, 'path');
      path.setAttribute('d', 'M1 1 L1 15 L5 11 L8 17 L10.5 16 L7.5 10 L13 10 Z');
      path.setAttribute('fill', 'currentColor');
      path.setAttribute('stroke', '#fff');
      arrow.append(path);
      const name = doc.createElement('span');
      name.textContent = agent.name || 'Agent';
      cursor.append(arrow, name);
      parent.append(cursor);
      cursors.set(agent.id, cursor);
    }
    cursor.style.transform = `translate(${x}px, ${y}px)`;
  }

  /** Outlines `element` for a moment, following it if the page scrolls. */
  function highlight(agent, element) {
    const parent = marksLayer();
    if (!parent) return;
    const box = colored(doc.createElement('div'), agent.color);
    box.className = 'box';
    parent.append(box);
    const place = () => {
      if (!box.isConnected) return;
      const rect = element.getBoundingClientRect();
      Object.assign(box.style, {
        left: rect.left - 4 + 'px',
        top: rect.top - 4 + 'px',
        width: rect.width + 8 + 'px',
        height: rect.height + 8 + 'px',
      });
      frame = win.requestAnimationFrame(place);
    };
    let frame = 0;
    place();
    later(HIGHLIGHT_MS, () => {
      win.cancelAnimationFrame(frame);
      fadeOut(box);
    });
  }

  /** Adds `points` to `agent`'s current stroke; `done` ends it. */
  function draw(agent, points, done) {
    const parent = marksLayer();
    if (!parent) return;
    if (!drawing) {
      drawing = doc.createElementNS(SVG_NS, 'svg');
      drawing.setAttribute('class', 'draw');
      parent.append(drawing);
    }
    let stroke = strokes.get(agent.id);
    if (!stroke) {
      const line = colored(doc.createElementNS(SVG_NS, 'polyline'), agent.color);
      drawing.append(line);
      stroke = { line, points: [], timer: 0 };
      strokes.set(agent.id, stroke);
    }
    for (const point of points) stroke.points.push(`${point[0]},${point[1]}`);
    stroke.line.setAttribute('points', stroke.points.join(' '));
    cancel(stroke.timer);
    const ending = stroke;
    stroke.timer = later(done ? STROKE_FADE_DONE_MS : STROKE_FADE_IDLE_MS, () => {
      if (strokes.get(agent.id) === ending) strokes.delete(agent.id);
      fadeOut(ending.line);
    });
    if (done) strokes.delete(agent.id);
  }

  /** Removes the cursors of agents that are gone. */
  function keepCursors(ids) {
    for (const [id, cursor] of cursors) {
      if (ids.has(id)) continue;
      cursor.remove();
      cursors.delete(id);
    }
  }

  /** Removes every mark and stops every timer. */
  function clear() {
    for (const timer of timers) win.clearTimeout(timer);
    timers.clear();
    cursors.clear();
    strokes.clear();
    layer = null;
    drawing = null;
    removeOverlayPart(win, 'marks');
  }

  return { pointer, highlight, draw, keepCursors, clear };
}
