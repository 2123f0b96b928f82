import { mount } from 'svelte';
import App from './App.svelte';
import { shell } from './lib/state/shell.svelte.ts';
import './app.css';

mount(App, { target: document.getElementById('app')! });
void shell.start();
