// The benchmark service, as stock Apache Thrift generates it (same wire format as
// bench_scales.thrift, another C++ namespace).
namespace cpp bench_stock

service Bench {
  binary echo(1: binary payload)
}
