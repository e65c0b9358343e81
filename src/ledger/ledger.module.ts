import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JournalEntry, JournalLine, LedgerHead } from './entities/journal.entity';
import { LedgerCommand, LedgerVerifyCommand } from './ledger.commands';
import { LedgerController } from './ledger.controller';
import { LedgerService } from './ledger.service';
import { JournalRepository } from './journal.repository';

@Module({
  imports: [TypeOrmModule.forFeature([JournalEntry, JournalLine, LedgerHead])],
  controllers: [LedgerController],
  providers: [JournalRepository, LedgerService, LedgerCommand, LedgerVerifyCommand],
  exports: [LedgerService],
})
export class LedgerModule {}
