namespace cpp tiny

service Greeter {
  string greet(1: string name)
}
