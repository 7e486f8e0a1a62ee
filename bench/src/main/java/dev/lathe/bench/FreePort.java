package dev.lathe.bench;

import java.net.ServerSocket;

/** Prints a TCP port free on this machine now (for a bench script's server). */
public final class FreePort {
  private FreePort() {}

  public static void main(String[] args) throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      System.out.println(s.getLocalPort());
    }
  }
}
