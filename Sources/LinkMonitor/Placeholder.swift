public enum LinkMonitorPlaceholder {}
