/** @jsxImportSource preact */
import './console.css';
import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('app')!;
// The placeholder (“Loading the console…”) goes: render adds to what is there.
root.textContent = '';
render(<App />, root);
