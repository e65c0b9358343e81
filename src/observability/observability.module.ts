import { Global, Module } from '@nestjs/common';
import { Metrics, metrics } from './metrics';
import { MetricsServer } from './metrics-server';

@Global()
@Module({
  providers: [{ provide: Metrics, useValue: metrics }, MetricsServer],
  exports: [Metrics, MetricsServer],
})
export class ObservabilityModule {}
