export { EngineService, createEngineService } from './EngineService.js';
