// A file name with a dot before .thrift: Thrift's C++ generator names its files my_api_types.*,
// and the service layer must include those.
namespace cpp realworld.api

struct Item {
  1: string name
}

service Catalog {
  Item find(1: string name)
}
