// SPDX-License-Identifier: Apache-2.0
#include "generate.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "emit/file_writer.h"
#include "idl/json_reader.h"
#include "render/renderer.h"
#include "thrift/run_compiler.h"
#include "view/views.h"

#ifndef SCALES_VERSION
#error "SCALES_VERSION must be defined by the build"
#endif

namespace scales::gen {
namespace fs = std::filesystem;

namespace {

// A private scratch directory, removed however generation ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "scales-thrift-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(std::string("cannot create a temporary directory: ") +
                               std::strerror(errno));
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void checkInputs(const cli::Options& options) {
  std::ifstream in(options.idl);
  if (!in) {
    throw InputError("cannot read IDL file '" + options.idl.string() +
                     "': " + std::strerror(errno));
  }
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec || access(options.out_dir.c_str(), W_OK) != 0) {
    throw InputError("output directory '" + options.out_dir.string() +
                     "' is not writable: " + (ec ? ec.message() : std::strerror(errno)));
  }
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Thrift's struct types are ours to ship; its service classes and skeletons are not (our
// service layer replaces them, and its `<Service>Client` would collide with ours).
bool isTypesFile(const std::string& name) {
  for (const char* suffix :
       {"_types.h", "_types.cpp", "_types.tcc", "_constants.h", "_constants.cpp"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

void generate(const cli::Options& options) {
  checkInputs(options);
  ScratchDir scratch;
  thrift::CompilerRun run{options.thrift_compiler, options.include_dirs, options.idl};

  fs::path json_dir = scratch.path() / "json";
  fs::path cpp_dir = scratch.path() / "cpp";
  fs::create_directories(json_dir);
  fs::create_directories(cpp_dir);
  thrift::generateJson(run, json_dir);
  std::string stem = options.idl.stem().string();
  idl::Model model = idl::readModel(json_dir, stem);
  thrift::generateCppTypes(run, cpp_dir);

  view::ProgramFacts facts{options.idl.filename().string(), SCALES_VERSION,
                           fs::exists(cpp_dir / (stem + "_types.cpp")),
                           fs::exists(cpp_dir / (stem + "_constants.cpp"))};
  // Render everything before writing anything, so an unsupported construct leaves no
  // half-generated output behind.
  std::vector<std::pair<fs::path, std::string>> files;
  for (const auto& service : model.rootProgram().services) {
    auto data = view::serviceView(model, facts, service);
    files.emplace_back(options.out_dir / (service.name + ".scales.h"),
                       render::render("service.h", data));
    files.emplace_back(options.out_dir / (service.name + ".scales.cpp"),
                       render::render("service.cpp", data));
  }
  files.emplace_back(options.out_dir / (stem + ".scales-all.cpp"),
                     render::render("all.cpp", view::programView(model, facts)));
  std::vector<fs::path> thrift_files;
  for (const auto& entry : fs::directory_iterator(cpp_dir)) thrift_files.push_back(entry.path());
  std::sort(thrift_files.begin(), thrift_files.end());
  for (const auto& path : thrift_files) {
    if (isTypesFile(path.filename().string())) {
      files.emplace_back(options.out_dir / path.filename(), readFile(path));
    }
  }
  for (const auto& [path, content] : files) emit::writeIfChanged(path, content);
}

}  // namespace scales::gen
