package dev.lathe.jobqueue;

/** The contract on the in-memory twin. */
class InMemoryJobStoreTest extends WorkerContract {

  @Override
  protected JobStore open(MutableClock clock) {
    return new InMemoryJobStore(clock, new RandomIdGenerator());
  }
}
