// The shared kernel: rules every domain uses, with no Nest, TypeORM, pg or other src folder.
export * from './calendar';
export * from './canonical-json';
export * from './currency';
export * from './decimal';
export * from './csv-cell';
export * from './capital-numerals';
