import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JournalEntry, JournalLine, LedgerHead } from './entities/journal.entity';
import { LedgerCommand, LedgerVerifyCommand } from './ledger.commands';
import { LedgerController } from './ledger.controller';
import { LedgerService } from './ledger.service';
import { JournalRepository } from './journal.repository';
import { CheckpointRepository } from './checkpoint.repository';
import { PartiesModule } from '../parties/parties.module';

@Module({
  imports: [TypeOrmModule.forFeature([JournalEntry, JournalLine, LedgerHead]), PartiesModule],
  controllers: [LedgerController],
  providers: [JournalRepository, CheckpointRepository, LedgerService, LedgerCommand, LedgerVerifyCommand],
  exports: [LedgerService],
})
export class LedgerModule {}
