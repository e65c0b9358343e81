import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ContractsModule } from '../contracts/contracts.module';
import { InvoicingModule } from '../invoicing/invoicing.module';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { PartiesModule } from '../parties/parties.module';
import { DemoSeeder } from './demo-seeder';
import { InvoicingDemoStep } from './steps/invoicing.demo-step';
import { OutcomesDemoStep } from './steps/outcomes.demo-step';

/** The demo data of `npm start`: the demo owns its steps and calls the domains' public services. */
@Module({
  imports: [AuthModule, PartiesModule, ContractsModule, OutcomesModule, InvoicingModule],
  providers: [DemoSeeder, OutcomesDemoStep, InvoicingDemoStep],
  exports: [DemoSeeder, OutcomesDemoStep, InvoicingDemoStep],
})
export class DemoModule {}
