package io.nbdcrypt.nbd.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Netty's native epoll transport where it loads, the JDK's NIO (which also speaks unix domain
 * sockets since JDK 16) otherwise. Each choice knows its channel classes and how it spells a
 * unix socket address.
 */
enum Transport {
    EPOLL {
        @Override IoHandlerFactory ioHandlerFactory() { return EpollIoHandler.newFactory(); }
        @Override Class<? extends ServerChannel> unixChannel() { return EpollServerDomainSocketChannel.class; }
        @Override Class<? extends ServerChannel> tcpChannel() { return EpollServerSocketChannel.class; }
        @Override SocketAddress unixAddress(Path p) { return new DomainSocketAddress(p.toFile()); }
    },
    NIO {
        @Override IoHandlerFactory ioHandlerFactory() { return NioIoHandler.newFactory(); }
        @Override Class<? extends ServerChannel> unixChannel() { return NioServerDomainSocketChannel.class; }
        @Override Class<? extends ServerChannel> tcpChannel() { return NioServerSocketChannel.class; }
        @Override SocketAddress unixAddress(Path p) { return UnixDomainSocketAddress.of(p); }
    };

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends ServerChannel> unixChannel();

    abstract Class<? extends ServerChannel> tcpChannel();

    abstract SocketAddress unixAddress(Path p);

    EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    static Transport choose(boolean preferNative) {
        return preferNative && Epoll.isAvailable() ? EPOLL : NIO;
    }
}
