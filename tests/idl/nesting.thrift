// A struct that nests itself through a list, for the decoder's bound on what claims can allocate.
namespace cpp nesting

struct Tree {
  1: list<Tree> kids
}

service Forest {
  i32 count(1: Tree tree)
}
