import Foundation
import PackagePlugin

/// Embeds the reply catalogue in the binary: runs `catalog-embedder` over every `.catalog`
/// file of the target (`Sources/SMTPCatalog/Data`) and compiles the Swift source it writes.
///
/// SwiftPM hands the target's files it has no rule for to its plugins, so the `.catalog`
/// files are neither sources nor resources; each is an input of the command, so editing,
/// adding or removing one regenerates the source on the next build.
@main
struct CatalogEmbedder: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let inputs = module.sourceFiles(withSuffix: ".catalog").map(\.url).sorted { $0.path < $1.path }
        guard !inputs.isEmpty else {
            Diagnostics.error("\(target.name) has no .catalog files to embed")
            return []
        }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedCatalog.swift")
        return [
            .buildCommand(
                displayName: "Embedding the reply catalogue (\(inputs.count) files)",
                executable: try context.tool(named: "catalog-embedder").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
