export * from './fixture';
export * from './generate';
export * from './mutations';
export * from './server';
export * from './store';
