import { Module } from '@nestjs/common';

/** Placeholder until its issue lands: registered in AppModule so the domain owns only its folder. */
@Module({})
export class ReportsModule {}
