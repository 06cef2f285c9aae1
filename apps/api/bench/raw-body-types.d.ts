// The API's route code reads `request.rawBody`, a type that fastify-raw-body
// adds where configure-app.ts imports it; the bench build compiles the app's
// modules without that file, so it names the augmentation itself.
/// <reference types="fastify-raw-body" />
