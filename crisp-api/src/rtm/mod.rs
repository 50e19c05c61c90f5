//! Real-time events over Socket.IO (RTM).
