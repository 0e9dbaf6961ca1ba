/// `sft bench [name ...]`: the microbenchmarks behind `make bench` (scripts/bench/run).
enum BenchCommand {
    static func main(_ arguments: [String]) -> Int32 {
        print("sft bench: no benchmarks yet")
        return 0
    }
}
