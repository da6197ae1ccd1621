// SPDX-License-Identifier: Apache-2.0
// `thrift-scales --gen scales FILE.thrift`: the scales generator inside Apache Thrift's compiler,
// registered the way Thrift registers its own. For the IDL file it writes
//   - the struct, exception, enum and constant types, from Thrift's `cpp:templates,moveable_types`
//     generator, for the file and every file it includes (the service layer includes them);
//   - the scales service layer: `<Service>.scales.h/.cpp` per service, `<stem>.scales-all.cpp`.
// Files are rewritten only when their bytes change. Errors name the declaration and its
// FILE:LINE, and nothing is written when there is one.
#include <thrift/generate/t_generator.h>
#include <thrift/generate/t_generator_registry.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "compiler/program_reader.h"
#include "emit/file_writer.h"
#include "emit/scratch_dir.h"
#include "generate.h"
#include "idl/cpp_names.h"

#ifndef SCALES_VERSION
#error "SCALES_VERSION must be defined by the build"
#endif

namespace fs = std::filesystem;

namespace {

// The options scales needs from Thrift's C++ generator: protocol-generic read/write (the stubs
// encode through their own protocol objects) and movable structs.
constexpr const char* kCppTypes = "cpp:templates,moveable_types";

// Thrift's struct types are ours to ship; its service classes and skeletons are not (our
// service layer replaces them, and its `<Service>Client` would collide with ours).
bool isTypesFile(const std::string& name) {
  for (std::string suffix :
       {"_types.h", "_types.cpp", "_types.tcc", "_constants.h", "_constants.cpp"}) {
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void collectPrograms(t_program* program, std::vector<t_program*>& out) {
  for (t_program* seen : out) {
    if (seen == program) return;
  }
  out.push_back(program);
  for (t_program* include : program->get_includes()) collectPrograms(include, out);
}

}  // namespace

class t_scales_generator : public t_generator {
 public:
  t_scales_generator(t_program* program, const std::map<std::string, std::string>& options,
                     const std::string& /*option_string*/)
      : t_generator(program) {
    for (const auto& [key, value] : options) {
      throw std::invalid_argument("unknown option scales:" + key + " (scales takes no options)");
    }
    out_dir_base_ = "gen-scales";
    update_keywords();  // ours: none (see lang_keywords)
  }

  void generate_program() override {
    try {
      generate();
    } catch (const scales::gen::idl::IdlError& e) {
      fail(e.where().file.empty() ? program_->get_path() : e.where().str(), e.what());
    } catch (const std::exception& e) {
      fail(program_->get_path(), e.what());
    }
  }

  // Whole files are rendered from the model; Thrift's per-declaration hooks are unused.
  void generate_typedef(t_typedef*) override {}
  void generate_enum(t_enum*) override {}
  void generate_struct(t_struct*) override {}
  void generate_service(t_service*) override {}

 protected:
  // Thrift's default list holds other languages' keywords too; scales refuses C++'s own (and
  // more), by FILE:LINE, in idl/name_rules.
  std::set<std::string> lang_keywords() const override { return {}; }

 private:
  // Thrift would report a thrown error at the parser's last line; ours know their own place.
  [[noreturn]] static void fail(const std::string& where, const std::string& message) {
    std::cerr << where << ": error: " << message << std::endl;
    std::exit(1);
  }

  void generate() {
    scales::gen::idl::Model model = scales::gen::compiler::readModel(program_);
    std::string stem = scales::gen::idl::typesStem(model.rootProgram());
    scales::gen::emit::ScratchDir scratch("thrift-scales");
    writeCppTypes(scratch.path());
    scales::gen::view::ProgramFacts facts{fs::path(program_->get_path()).filename().string(),
                                          SCALES_VERSION,
                                          fs::exists(scratch.path() / (stem + "_types.cpp")),
                                          fs::exists(scratch.path() / (stem + "_constants.cpp"))};
    // Render everything before writing anything: an error leaves no half-generated output.
    std::vector<scales::gen::OutputFile> files = scales::gen::renderProgram(model, facts);
    std::vector<fs::path> thrift_files;
    for (const auto& entry : fs::directory_iterator(scratch.path())) {
      if (isTypesFile(entry.path().filename().string())) thrift_files.push_back(entry.path());
    }
    std::sort(thrift_files.begin(), thrift_files.end());
    for (const auto& path : thrift_files) {
      files.push_back({path.filename().string(), readFile(path)});
    }
    fs::path out = get_out_dir();
    fs::create_directories(out);
    for (const auto& file : files) scales::gen::emit::writeIfChanged(out / file.name, file.content);
  }

  // Thrift's C++ types of this program and every program it includes, into `dir`.
  void writeCppTypes(const fs::path& dir) {
    std::vector<t_program*> programs;
    collectPrograms(program_, programs);
    for (t_program* program : programs) {
      std::string saved_path = program->get_out_path();
      bool saved_absolute = program->is_out_path_absolute();
      program->set_out_path(dir.string(), true);
      program->scope()->resolve_all_consts();
      std::unique_ptr<t_generator> cpp(t_generator_registry::get_generator(program, kCppTypes));
      if (!cpp) throw std::runtime_error("Thrift's cpp generator is not built in");
      cpp->generate_program();
      program->set_out_path(saved_path, saved_absolute);
    }
  }
};

THRIFT_REGISTER_GENERATOR(
    scales, "scales-cpp (C++ clients, handlers and dispatchers over the scales stack)",
    "    (no options: the types come from cpp:templates,moveable_types)\n")

#if defined(__SANITIZE_ADDRESS__)
// Thrift's compiler keeps its parse tree until exit by design: not a leak worth failing on.
extern "C" int __lsan_is_turned_off() { return 1; }
#endif
