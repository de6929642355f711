// What an agent's allowed action does on the visitor's page (control.js checked the
// agent's permissions). Each action answers nothing when done, or the reason the page
// refuses it. Nodes are named by the ids of the mirror being recorded (capture.js); the
// page acts only on nodes of its own document that are still in it.
'use strict';

/** The finite number `value`, or null. */
function finiteOr(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The actions of agents on `win`'s page, drawing with `marks`. */
function makeActions(win, mapper, marks) {
  const doc = win.document;

  /** The element the mirror's node `id` is (a text node's parent), or a refusal. */
  const elementOf = (id) => {
    const node = captureNode(id);
    const element = node && (node.nodeType === 1 ? node : node.parentElement);
    if (!element) return 'no_node';
    // Frames record into the same mirror, but their nodes are not this page's to touch.
    if (element.ownerDocument !== doc || !element.isConnected) return 'outside_document';
    return element;
  };
  const inView = (element) => {
    const rect = element.getBoundingClientRect();
    const visible = rect.bottom > 0 && rect.right > 0 && rect.top < win.innerHeight && rect.left < win.innerWidth;
    if (!visible) element.scrollIntoView({ block: 'center', inline: 'center' });
    const after = element.getBoundingClientRect();
    return { x: after.left + after.width / 2, y: after.top + after.height / 2 };
  };
  const fire = (element, Type, type, init) =>
    element.dispatchEvent(new Type(type, { bubbles: true, cancelable: true, composed: true, view: win, ...init }));

  return {
    pointer(agent, message) {
      const x = finiteOr(message.x);
      const y = finiteOr(message.y);
      if (x === null || y === null) return 'bad_message';
      marks.pointer(agent, x, y);
    },

    highlight(agent, message) {
      const element = elementOf(message.id);
      if (typeof element === 'string') return element;
      marks.highlight(agent, element);
    },

    draw(agent, message) {
      const points = Array.isArray(message.points) ? message.points : [];
      const valid = points.filter((p) => Array.isArray(p) && finiteOr(p[0]) !== null && finiteOr(p[1]) !== null);
      if (valid.length !== points.length) return 'bad_message';
      marks.draw(agent, valid, message.done === true);
    },

    click(agent, message) {
      const element = elementOf(message.id);
      if (typeof element === 'string') return element;
      const { x, y } = inView(element);
      const at = { clientX: x, clientY: y, screenX: x, screenY: y, button: 0 };
      const pointer = { ...at, pointerId: 1, pointerType: 'mouse', isPrimary: true };
      const PointerType = win.PointerEvent || win.MouseEvent;
      fire(element, PointerType, 'pointerdown', { ...pointer, buttons: 1 });
      const unprevented = fire(element, win.MouseEvent, 'mousedown', { ...at, buttons: 1, detail: 1 });
      if (unprevented && typeof element.focus === 'function') element.focus({ preventScroll: true });
      fire(element, PointerType, 'pointerup', pointer);
      fire(element, win.MouseEvent, 'mouseup', { ...at, detail: 1 });
      // A dispatched click runs the element's activation behaviour as a real one does:
      // links follow, buttons submit, checkboxes toggle.
      fire(element, win.MouseEvent, 'click', { ...at, detail: 1 });
    },

    scroll(agent, message) {
      const x = finiteOr(message.x);
      const y = finiteOr(message.y);
      if (x === null || y === null) return 'bad_message';
      if (message.id === null || message.id === undefined) return void win.scrollTo(x, y);
      const element = elementOf(message.id);
      if (typeof element === 'string') return element;
      if (element === doc.documentElement || element === doc.body) return void win.scrollTo(x, y);
      element.scrollLeft = x;
      element.scrollTop = y;
    },

    type(agent, message) {
      const element = elementOf(message.id);
      if (typeof element === 'string') return element;
      if (typeof message.value !== 'string') return 'bad_message';
      if (isMasked(element)) return 'masked';
      const proto = element instanceof win.HTMLInputElement ? win.HTMLInputElement.prototype
        : element instanceof win.HTMLTextAreaElement ? win.HTMLTextAreaElement.prototype : null;
      if (!proto && !element.isContentEditable) return 'not_a_field';
      if (element.disabled || element.readOnly) return 'read_only';
      element.focus({ preventScroll: true });
      if (proto) {
        // The prototype's setter, not the element's own property: frameworks such as
        // React watch the latter and would take the change for their own.
        Reflect.apply(Object.getOwnPropertyDescriptor(proto, 'value').set, element, [message.value]);
      } else {
        element.textContent = message.value;
      }
      fire(element, win.InputEvent || win.Event, 'input', { inputType: 'insertText', data: message.value });
      fire(element, win.Event, 'change', {});
    },

    navigate(agent, message) {
      if (message.to === 'back') return void win.history.back();
      if (message.to === 'forward') return void win.history.forward();
      if (message.to === 'reload') return void win.location.reload();
      if (message.to !== 'url') return 'bad_message';
      const target = navigationTarget(mapper, message.url);
      if (!target) return 'outside_session';
      win.location.assign(target);
    },

    console(agent, message) {
      const answer = (outcome) => liveSend({ type: 'console_result', agent: agent.id, ...outcome });
      const shown = (value) => {
        try {
          const json = JSON.stringify(value);
          return json === undefined ? String(value) : json;
        } catch {
          return String(value);
        }
      };
      let value;
      try {
        // Indirect: the code runs in the page's global scope, not in the runtime's.
        value = (0, win.eval)(String(message.code));
      } catch (error) {
        return void answer({ error: String(error) });
      }
      Promise.resolve(value).then(
        (result) => answer({ result: shown(result) }),
        (error) => answer({ error: String(error) }),
      );
    },
  };
}
