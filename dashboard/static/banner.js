// One banner for every connection problem; each source sets or clears its own message.

const messages = new Map();

export function setBanner(source, message) {
  if (message) messages.set(source, message);
  else messages.delete(source);
  const banner = document.getElementById('banner');
  banner.hidden = messages.size === 0;
  banner.textContent = [...messages.values()].join(' ');
}
