// Placeholder: this page is being built.
import { h } from '../ui.js';

export async function render(root) {
  root.append(h('h1', {}, 'compare'), h('p', {}, 'This page is being built.'));
}
