// SPDX-License-Identifier: MIT
#pragma once

// One record in detail, as both trail windows show it: its raw JSON and its ECS form (the
// parser run here) side by side as trees with find boxes, linked field to field by the
// engine's provenance (select a field on either side: the fields it came from or became are
// revealed, and a line says how), the schema's problems of the ECS record (a click goes to the
// field), and a Changes tab (Old/New values compared field by field).

#include "intake/engine.h"

#include <QTabWidget>

#include <string_view>
#include <vector>

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QSplitter;
class QTreeWidget;

namespace auditlens::ui {

class JsonTree;

class RecordDetail : public QTabWidget
{
    Q_OBJECT
public:
    explicit RecordDetail(QWidget *parent = nullptr);

    /// Shows the record (the bytes as received), normalized by `parser` (null: the raw side only).
    void showRecord(std::string_view raw, const intake::IntakeParser *parser);
    /// Nothing shown; `why` on the link line (empty: the hint to select a record).
    void clear(const QString &why = {});

    JsonTree *rawTree() const { return m_rawTree; }
    JsonTree *ecsTree() const { return m_ecsTree; }
    QLineEdit *rawSearch() const { return m_rawSearch; }
    QLineEdit *ecsSearch() const { return m_ecsSearch; }
    QLabel *linkInfo() const { return m_linkInfo; }
    QListWidget *diagnostics() const { return m_diagnostics; }
    QTreeWidget *changesView() const { return m_changes; }
    QSplitter *sidesSplit() const { return m_split; } ///< raw | ECS (its state is a setting)

    /// The link line and the other side, for a field selected on one side.
    void linkFromEcs(const QString &path);
    void linkFromRaw(const QString &path);
    /// A schema problem's field, revealed in the ECS tree.
    void goToProblem(QListWidgetItem *item);

private:
    void showChanges(const nlohmann::ordered_json &rawShown); ///< the Changes tab

    JsonTree *m_rawTree = nullptr;
    JsonTree *m_ecsTree = nullptr;
    QLineEdit *m_rawSearch = nullptr;
    QLineEdit *m_ecsSearch = nullptr;
    QLabel *m_linkInfo = nullptr;
    QListWidget *m_diagnostics = nullptr;
    QTreeWidget *m_changes = nullptr;
    QLabel *m_changesLabel = nullptr;
    QSplitter *m_split = nullptr;
    std::vector<intake::FieldProvenance> m_provenance;
    bool m_linking = false;
};

} // namespace auditlens::ui
