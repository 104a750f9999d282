/// Who moves when a rule's serve changes, computed exactly from the 10,000 bucket ranges: each
/// bucket's variant before and after, so every figure is a share of the contexts the rule matches,
/// in hundredths of a percent.
package struct ExposureDelta: Sendable, Equatable {
    /// A variant's share before and after, in buckets (hundredths of a percent).
    package struct Share: Sendable, Equatable {
        package var variant: String
        package var old: Int
        package var new: Int
    }

    /// Buckets that change from one variant to another.
    package struct Move: Sendable, Equatable {
        package var from: String
        package var to: String
        package var buckets: Int

        package init(from: String, to: String, buckets: Int) {
            self.from = from
            self.to = to
            self.buckets = buckets
        }
    }

    /// Every variant of either side whose share is not zero on both, in first-seen order.
    package var shares: [Share]
    /// Largest first, then by name.
    package var moves: [Move]

    /// Buckets that change variant.
    package var moved: Int { moves.reduce(0) { $0 + $1.buckets } }
    /// The fewest buckets that must change for the new shares: the sum of the shares' growth.
    package var necessary: Int { shares.reduce(0) { $0 + max(0, $1.new - $1.old) } }
    /// Buckets that change although the shares alone did not require it: contexts already assigned
    /// that a reordering of the ranges puts into another variant.
    package var reassigned: Int { moved - necessary }

    /// The delta between two assignments of the buckets (`(upTo, variant)` ranges, increasing).
    package init(old: [(upTo: Int, variant: String)], new: [(upTo: Int, variant: String)]) {
        var order: [String] = []
        var oldShares: [String: Int] = [:]
        var newShares: [String: Int] = [:]
        func add(_ ranges: [(upTo: Int, variant: String)], into shares: inout [String: Int]) {
            var start = 0
            for (upTo, variant) in ranges {
                if !order.contains(variant) { order.append(variant) }
                shares[variant, default: 0] += max(0, upTo - start)
                start = max(start, upTo)
            }
        }
        add(old, into: &oldShares)
        add(new, into: &newShares)
        shares = order.compactMap { variant in
            let share = Share(variant: variant, old: oldShares[variant] ?? 0, new: newShares[variant] ?? 0)
            return share.old == 0 && share.new == 0 ? nil : share
        }
        // Walk both range lists together: each stretch of buckets has one old and one new variant.
        var movesByPair: [String: Move] = [:]
        var pairOrder: [String] = []
        var bucket = 0
        var oldIndex = 0
        var newIndex = 0
        while bucket < 10_000, oldIndex < old.count, newIndex < new.count {
            if old[oldIndex].upTo <= bucket {
                oldIndex += 1
                continue
            }
            if new[newIndex].upTo <= bucket {
                newIndex += 1
                continue
            }
            let end = min(old[oldIndex].upTo, new[newIndex].upTo, 10_000)
            let from = old[oldIndex].variant
            let to = new[newIndex].variant
            if from != to {
                let key = from + "\u{0}" + to
                if movesByPair[key] == nil { pairOrder.append(key) }
                movesByPair[key, default: Move(from: from, to: to, buckets: 0)].buckets += end - bucket
            }
            bucket = end
        }
        moves = pairOrder.compactMap { movesByPair[$0] }.sorted {
            $0.buckets != $1.buckets ? $0.buckets > $1.buckets : ($0.from, $0.to) < ($1.from, $1.to)
        }
    }

    /// `on 5% → 25%: +20% gain 'on', 0% reassigned`; with `rampedVariant`, only that variant's share
    /// leads the line.
    package func text(rampedVariant: String? = nil) -> String {
        let changed = shares.filter { $0.old != $0.new && (rampedVariant == nil || $0.variant == rampedVariant) }
        let lead = changed.map { "\($0.variant) \(Self.percent($0.old))% → \(Self.percent($0.new))%" }
        var parts = shares.filter { $0.new > $0.old }.map { "+\(Self.percent($0.new - $0.old))% gain '\($0.variant)'" }
        var reassignedText = "\(Self.percent(reassigned))% reassigned"
        if reassigned > 0 {
            reassignedText +=
                " ("
                + moves.map { "\($0.from) → \($0.to) \(Self.percent($0.buckets))%" }
                .joined(separator: ", ") + ")"
        }
        parts.append(reassignedText)
        return (lead.isEmpty ? "shares unchanged" : lead.joined(separator: ", ")) + ": " + parts.joined(separator: ", ")
    }

    /// Hundredths of a percent as percent text: `20`, `0.5`, `12.34`.
    package static func percent(_ buckets: Int) -> String { ProjectValidator.percentText(buckets) }
}
