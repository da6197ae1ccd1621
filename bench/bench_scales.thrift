// The benchmark service, as scales generates it. bench_stock.thrift is the same service in
// another C++ namespace, for the stock Apache Thrift peers linked into the same binary.
namespace cpp bench_scales

service Bench {
  binary echo(1: binary payload)
}
