// A minimal service for Mux session tests: echo, and a call the test server holds on to.
namespace cpp echo

service Echo {
  binary echo(1: binary payload)
  i32 hold(1: i32 id)
}

// Every argument is named like something the generated code uses internally: it must compile.
service Collide {
  i64 collide(1: i32 id, 2: i32 type, 3: string request, 4: string message, 5: i32 header,
              6: i32 value, 7: i32 error, 8: i32 result, 9: i32 p, 10: i32 argv, 11: i32 context,
              12: i32 respond, 13: i32 response, 14: i32 protocol, 15: i32 complete,
              16: i32 guard, 17: i32 handler, 18: i32 e, 19: i32 client_, 20: i32 sync_)
}
