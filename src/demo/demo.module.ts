import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { ContractsModule } from '../contracts/contracts.module';
import { PartiesModule } from '../parties/parties.module';
import { DemoSeeder } from './demo-seeder';

@Module({
  imports: [DiscoveryModule, AuthModule, PartiesModule, ContractsModule],
  providers: [DemoSeeder],
  exports: [DemoSeeder],
})
export class DemoModule {}
