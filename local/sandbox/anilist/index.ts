export * from './fixture';
export * from './generate';
export * from './server';
export * from './store';
