package io.headroom;
public final class Main { public static void main(String[] a) {} }
