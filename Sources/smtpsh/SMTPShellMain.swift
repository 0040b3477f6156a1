import SMTPShell

#if canImport(Glibc)
import Glibc
#endif

@main
enum SMTPShellMain {
    static func main() {
        exit(SMTPShellCommand.run(Array(CommandLine.arguments.dropFirst())))
    }
}
