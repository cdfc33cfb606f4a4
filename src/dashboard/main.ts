import { render } from 'preact';
import { App } from './App.js';
import { html } from './html.js';
import './dashboard.css';

render(html`<${App} />`, document.getElementById('app')!);
